// The figures the bench reports on messages to people (scripts/messages-figures.ts) meet the targets: one message
// to people for any event up to 1,000 keys, at most 200 bytes a key in it, and one GuardDuty finding delivered three
// ways tells people once.
import { beforeAll, describe, expect, it } from "vitest";
import { type MessagesFigure, messagesFigures } from "../../scripts/messages-figures";

let figures: MessagesFigure[] = [];

beforeAll(async () => {
  figures = await messagesFigures();
}, 120_000);

const of = (event: string): MessagesFigure => {
  const found = figures.find((f) => f.event === event);
  if (!found) throw new Error(`no figure for ${event}`);
  return found;
};

describe("messages to people", () => {
  it.each(["1 key", "80 keys", "1,000 keys"])("is one for a Health event of %s", (event) => {
    expect(of(event).toPeople).toBe(1);
  });

  it("costs at most 200 bytes a key for 1,000 keys, however many parts programs get", () => {
    expect(of("1,000 keys").bytesPerKey).toBeLessThanOrEqual(200);
    expect(of("1,000 keys").messages).toBeGreaterThan(1);
  });

  it("is one for a GuardDuty finding delivered natively, as ASFF and as V2; programs get all three", () => {
    expect(of("one GuardDuty finding, native + ASFF + V2")).toMatchObject({ messages: 3, toPeople: 1 });
  });
});
