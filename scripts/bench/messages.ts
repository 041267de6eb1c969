// Section 8: what reaches people per incident. A big event goes to people as one message (a compact line per key);
// the full per-key JSON for programs goes in parts that e-mail and chat subscriptions filter out (attribute
// `audience`). One finding delivered three ways (natively, and as its two Security Hub copies) is one message too.
import { type MessagesFigure, messagesFigures } from "../messages-figures";
import { type Section, table } from "./report";

/** The people's message costs at most this much per key for an event of many keys (issue target). */
const BYTES_PER_KEY = 200;

export const section: Section = {
  title: "Messages to people",
  run: async () => {
    const figures = await messagesFigures();
    const byKeys = (keys: number) => figures.find((f) => f.keys === keys && !f.event.includes("GuardDuty"));
    const big = [byKeys(80), byKeys(1_000)].filter((f): f is MessagesFigure => f !== undefined);
    const threePaths = figures.find((f) => f.event.includes("GuardDuty"));
    const largest = byKeys(1_000);
    const number = (value: number) => value.toLocaleString("en-US");
    return {
      method:
        "Each event runs through the real handler against the AWS double; the messages SNS would accept are counted " +
        "as SNS counts them (message and attributes). A message reaches people when its `audience` attribute is " +
        "`all` or `people`, as the stack's e-mail subscription filters it.",
      body: table(
        "Event | Keys | Messages | To people | Bytes per key (people)",
        figures.map((f) => [f.event, number(f.keys), f.messages, f.toPeople, number(f.bytesPerKey)]),
      ),
      verdicts: [
        {
          target: "a 1,000-key event reaches people as one message",
          met: largest?.toPeople === 1,
          text: `${largest?.toPeople ?? "no"} message(s) to people, ${largest?.messages ?? 0} in all.`,
        },
        {
          target: `at most ${BYTES_PER_KEY} bytes per key in the people's message (80 and 1,000 keys)`,
          met: big.length === 2 && big.every((f) => f.bytesPerKey <= BYTES_PER_KEY),
          text: big.map((f) => `${f.event}: ${f.bytesPerKey} B/key`).join("; "),
        },
        {
          target: "one GuardDuty finding delivered three ways reaches people once",
          met: threePaths?.toPeople === 1,
          text: `${threePaths?.toPeople ?? "no"} message(s) to people of ${threePaths?.messages ?? 0}.`,
        },
      ],
    };
  },
};
