import { openStore } from '@skill-metrics/core';
import Database from 'better-sqlite3';
import pg from 'pg';
const url = 'postgres://postgres@127.0.0.1:5432/test';
const NOW = Date.parse('2026-01-01T05:30:00Z');
const clock = { now: () => NOW, monotonic: () => 0 };
const schema = 'scratch_review_b' + Date.now();
const path = '/tmp/rv/b-' + Date.now() + '.db';
const P = await openStore({ url, schema, clock });
const S = await openStore({ path, clock });
const q = { legacyQuirks: true };
const inv = (id, skillName, invokedAt, d) => ({ id, skillName, invokedAt, completed: true, durationSeconds: d });
// Test 1: skill '' with others in a closed hour (01:00), then closed by a later invocation (02:00)
const batch1 = [inv('e1', '', '2026-01-01T01:10:00Z', 0.1), inv('a1', 'a', '2026-01-01T01:10:00Z', 0.2), inv('b1', 'b', '2026-01-01T01:10:00Z', 0.3),
  inv('e2', '', '2026-01-01T02:10:00Z', 1), inv('a2', 'a', '2026-01-01T02:10:00Z', 1), inv('b2', 'b', '2026-01-01T02:10:00Z', 1)];
for (const s of [S, P]) await s.recordInvocations(batch1, q);
const db = new Database(path, { readonly: true });
console.log('sqlite all-skills 01h', db.prepare("select total_duration_seconds from skill_timeline where skill_name = '' and typeof(skill_name)='text' and bucket_start like '2026-01-01T01%'").all());
const c = new pg.Client({ connectionString: url }); await c.connect();
console.log('pg all-skills 01h', (await c.query(`select total_duration_seconds from "${schema}".timeline_all_skills where bucket_start like '2026-01-01T01%'`)).rows);
const range = { since: '2026-01-01T00:00:00Z', until: '2026-01-01T06:00:00Z' };
const tl = async (s) => (await s.getTimeline(range)).filter(b => b.invocations > 0).map(b => [b.bucketStart.slice(11,13), b.avgDurationSeconds]);
console.log('timeline sqlite', JSON.stringify(await tl(S)));
console.log('timeline pg    ', JSON.stringify(await tl(P)));
// Test 2: open hours of several skills in the current hour (05), heap order changes after updates
const batch2 = [inv('x1', 'x', '2026-01-01T05:01:00Z', 0.1), inv('y1', 'y', '2026-01-01T05:01:00Z', 0.2), inv('z1', 'z', '2026-01-01T05:01:00Z', 0.3)];
for (const s of [S, P]) { for (const i of batch2) await s.recordInvocation(i, q); }
console.log('open sqlite', JSON.stringify(await tl(S)));
console.log('open pg    ', JSON.stringify(await tl(P)));
for (const s of [S, P]) await s.recordInvocation(inv('x2', 'x', '2026-01-01T05:02:00Z', 0), q);
console.log('open sqlite after x2', JSON.stringify(await tl(S)));
console.log('open pg     after x2', JSON.stringify(await tl(P)));
console.log('pg heap order', (await c.query(`select skill_name, ctid from "${schema}".skill_totals where timeline_open_hour is not null`)).rows);
await c.query(`drop schema "${schema}" cascade`); await c.end();
await P.close(); await S.close();
