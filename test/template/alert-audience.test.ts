// What the stack gives the alert: the manual function's name for the commands in it, and the e-mail subscription's
// filter that keeps what only programs need (a large event's parts, repeats) out of people's mailboxes.
import { describe, expect, it } from "vitest";
import { Audience, PEOPLE_FILTER_POLICY } from "../../src/alert/render";
import { loadPackaged, PACKAGED_CONFIGS, RESPONDER_FUNCTIONS, resource } from "../support/template";

describe.each(Object.keys(PACKAGED_CONFIGS) as (keyof typeof PACKAGED_CONFIGS)[])(
  "the %s template",
  (name) => {
    const template = loadPackaged(name);

    it("tells every responder function the manual function's deployed name", () => {
      const manual = resource(template, "ManualLambdaFunction").Properties?.FunctionName;

      expect(typeof manual).toBe("string");
      for (const id of RESPONDER_FUNCTIONS) {
        const environment = resource(template, id).Properties?.Environment as
          | { Variables: Record<string, unknown> }
          | undefined;
        expect(environment?.Variables.MANUAL_FUNCTION_NAME, id).toBe(manual);
      }
    });

    it("lets the alert e-mail through only what is for people", () => {
      const subscription = resource(template, "AlertEmailSubscription").Properties;

      expect(subscription?.FilterPolicyScope).toBe("MessageAttributes");
      expect(subscription?.FilterPolicy).toEqual(PEOPLE_FILTER_POLICY);
      expect(PEOPLE_FILTER_POLICY.audience).not.toContain(Audience.Machines);
    });
  },
);
