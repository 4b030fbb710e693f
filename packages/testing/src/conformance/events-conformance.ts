import { safely, violation } from "./exchange.js";
import { noteValidated } from "./registry.js";
import { checkAgainstSample, payloadShape } from "./slack-samples.js";
import { describeErrors, type LoadedSpec, loadSpec, pointerOf } from "./specs.js";

/** The AsyncAPI topic (event subscription) a delivered event belongs to, as Slack names them. */
export function eventTopic(event: { type?: unknown; channel_type?: unknown }): string {
  const type = String(event.type ?? "");
  if (type === "message") {
    const byChannel: Record<string, string> = {
      channel: "message.channels",
      group: "message.groups",
      im: "message.im",
      mpim: "message.mpim",
      app_home: "message.app.home",
    };
    return byChannel[String(event.channel_type ?? "")] ?? "message";
  }
  return type.replace(/_/g, ".");
}

/**
 * Checks what the Slack emulator delivers over Socket Mode: every `events_api` payload against
 * Slack's event wrapper schema and against the AsyncAPI description's payload for the event's
 * topic (`message.channels`, `reaction.added`...). Slash command and interactivity payloads, and
 * the Socket Mode envelope itself, have no published description.
 */
export class SlackEventsConformance {
  private wrapper: LoadedSpec | undefined;
  private asyncApi: LoadedSpec | undefined;

  prepare(): void {
    this.wrapper ??= loadSpec("slack-event-wrapper");
    this.asyncApi ??= loadSpec("slack-events-api");
  }

  check(type: "events_api" | "slash_commands" | "interactive", payload: Record<string, unknown>): void {
    const shape = payloadShape(type, payload);
    // What Slack really sends, key by key, beyond the descriptions; a payload the wrapper schema already rejects is not compared.
    const compare = () => {
      if (shape) safely("slack", shape, () => checkAgainstSample(shape, shape, "event", payload));
    };
    if (type !== "events_api") return compare();
    const event = (payload.event ?? {}) as { type?: unknown; channel_type?: unknown };
    const operation = `events_api ${String(event.type ?? "?")}`;
    safely("slack", operation, () => {
      this.prepare();
      const wrapper = this.wrapper!.validator("");
      if (!wrapper(payload)) {
        violation("slack", operation, "event", "the Events API payload does not match Slack's event wrapper schema", describeErrors(wrapper.errors));
        return;
      }
      const topic = eventTopic(event);
      const topics = this.asyncApi!.doc.topics as Record<string, unknown>;
      // No topic describes it: the wrapper is all there is to check.
      if (!topics[topic]) {
        noteValidated("slack", operation, { event: "wrapper" });
        compare();
        return;
      }
      const validate = this.asyncApi!.validator(`${pointerOf("topics", topic, "subscribe", "payload")}`);
      if (!validate(payload)) {
        violation("slack", operation, "event", `the Events API payload does not match the AsyncAPI payload of topic ${topic}`, describeErrors(validate.errors));
        return;
      }
      noteValidated("slack", operation, { event: `wrapper + topic ${topic}` });
      compare();
    });
  }
}
