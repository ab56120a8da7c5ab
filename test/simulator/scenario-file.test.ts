// Scenario files: the format that is accepted, and what a person is told about one that is not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseScenario, ScenarioError } from '../../simulator/scenario.js';
import { fix44Dictionary } from '../../simulator/sim-session.js';

const dict = fix44Dictionary();

test('a YAML scenario: sessions with {run} CompIDs, "session: command" steps with line numbers', () => {
  const s = parseScenario(`name: demo
timeoutMs: 2000
sessions:
  a: { sender: "A-{run}" }
  b: { sender: B, target: OTHER, reset: false, heartbeat: 5 }
steps:
  - a: buy 1 AAPL @ 190 id=X{run}
  - "b: expect 35=8 150=0 11=X{run}"
  - wait 2s
  - b: disconnect
  - b: connect
  - a: expect-none
`, 'demo.yaml', dict, 'r7');
  assert.equal(s.name, 'demo');
  assert.equal(s.timeoutMs, 2000);
  assert.deepEqual(s.sessions, [
    { name: 'a', sender: 'A-r7', reset: true, heartBtIntS: 30 },
    { name: 'b', sender: 'B', reset: false, heartBtIntS: 5, target: 'OTHER' },
  ]);
  assert.deepEqual(s.steps.map((st) => [st.index, st.line, st.session, st.text, st.action.kind]), [
    [1, 7, 'a', 'buy 1 AAPL @ 190 id=Xr7', 'order'],
    [2, 8, 'b', 'expect 35=8 150=0 11=Xr7', 'expect'],
    [3, 9, 'a', 'wait 2s', 'wait'],
    [4, 10, 'b', 'disconnect', 'disconnect'],
    [5, 11, 'b', 'connect', 'connect'],
    [6, 12, 'a', 'expect-none', 'expectNone'],
  ]);
  assert.deepEqual(s.steps[2]!.action, { kind: 'wait', ms: 2000 });
  assert.deepEqual(s.steps[5]!.action, { kind: 'expectNone', ms: 500 });
});

test('a JSON scenario with one session needs no session names in its steps', () => {
  const s = parseScenario(JSON.stringify({
    name: 'json', sessions: { only: { sender: 'J1' } }, steps: ['sell 2 IBM @ 180', { only: 'expect 35=8' }],
  }), 'demo.json', dict, 'r');
  assert.deepEqual(s.steps.map((st) => [st.session, st.text]), [['only', 'sell 2 IBM @ 180'], ['only', 'expect 35=8']]);
});

test('sessions without a sender take the command line --sender, numbered by position', () => {
  const s = parseScenario('sessions:\n  a:\n  b: {}\n  c: { sender: C }\nsteps:\n  - a: expect 35=8\n', 'x.yaml', dict, 'r', 'CLI{i}-{run}');
  assert.deepEqual(s.sessions.map((x) => x.sender), ['CLI1-r', 'CLI2-r', 'C']);
  assert.throws(() => parseScenario('sessions:\n  a:\nsteps: [x]', 'x.yaml', dict, 'r'), /x\.yaml:2: session 'a' needs sender: COMPID/);
});

test('a bad scenario file is refused with the file, the line and what is wrong', () => {
  const cases: Array<[string, RegExp]> = [
    ['name: [unclosed', /^bad\.yaml:1: not valid YAML\/JSON/],
    ['- just a list', /^bad\.yaml:1: a scenario is a mapping/],
    ['name: x\nsessions: { a: { sender: A } }\nsteps: []\nextra: 1', /^bad\.yaml:4: unknown key 'extra'/],
    ['sessions: {}\nsteps: [x]', /^bad\.yaml:1: sessions must map at least one session name/],
    ['sessions:\n  a: { target: X }\nsteps: [x]', /^bad\.yaml:2: session 'a' needs sender: COMPID/],
    ['sessions:\n  a: { sender: A, colour: red }\nsteps: [x]', /^bad\.yaml:2: session 'a': unknown key 'colour'/],
    ['sessions: { a: { sender: A }, b: { sender: B } }\nsteps:\n  - buy 1 X', /^bad\.yaml:3: step 1: say which session \(one of a, b\)/],
    ['sessions: { a: { sender: A } }\nsteps:\n  - c: buy 1 X', /^bad\.yaml:3: step 1: no session named 'c'/],
    ['sessions: { a: { sender: A } }\nsteps:\n  - expect\n', /^bad\.yaml:3: step 1 \(expect\): expect needs at least one field/],
    ['sessions: { a: { sender: A } }\nsteps:\n  - buy ten X\n', /^bad\.yaml:3: step 1 \(buy ten X\): quantity 'ten'/],
    ['sessions: { a: { sender: A } }\nsteps:\n  - wait soon\n', /^bad\.yaml:3: step 1 \(wait soon\): 'soon' is not a duration/],
    ['sessions: { a: { sender: A } }\nsteps:\n  - launch\n', /^bad\.yaml:3: step 1 \(launch\): unknown step 'launch'/],
    ['sessions: { a: { sender: A } }\ntimeoutMs: -1\nsteps: [x]', /^bad\.yaml:2: timeoutMs must be an integer/],
  ];
  for (const [text, message] of cases) {
    assert.throws(() => parseScenario(text, 'bad.yaml', dict, 'r'), (err: unknown) => err instanceof ScenarioError && message.test(err.message), `${text}\n→ expected ${message}`);
  }
});
