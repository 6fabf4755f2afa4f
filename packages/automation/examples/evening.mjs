// The original's rule (every device, 20:30-08:30) with a fridge left alone, driven by hand:
// statuses and time in, commands and events out. Run: node examples/evening.mjs
import { AutomationEngine } from "@coreflux/automation";

const engine = new AutomationEngine({
  rules: [
    {
      name: "after-hours",
      match: ["**"],
      except: ["*/Kitchen/Fridge"],
      windows: ["20:30-08:30"],
      timeZone: "Europe/Lisbon",
    },
  ],
  confirmTimeoutMs: 30_000,
});

const t = Date.parse("2026-12-04T21:00:00Z"); // Friday, 21:00 in Lisbon
engine.status("Porto/Office/Lamp", 0, true, "button", t);
engine.status("Porto/Kitchen/Fridge", 0, true, "init", t);

const first = engine.tick(t);
console.log(first.commands); // [{ path: "Porto/Office/Lamp", channel: 0, rule: "after-hours", attempt: 1, ... }]
console.log(first.events.map((e) => `${e.event} ${e.path}`)); // ["commanded Porto/Office/Lamp", "excepted Porto/Kitchen/Fridge"]

// The lamp reports it went off (the device says our MQTT command did it): confirmed.
engine.status("Porto/Office/Lamp", 0, false, "MQTT", t + 2_000);
// Someone switches it on again at the wall: a person wins, for the rest of the window.
engine.status("Porto/Office/Lamp", 0, true, "button", t + 60_000);
console.log(engine.tick(t + 61_000).events.map((e) => e.event)); // ["confirmed", "override"]
console.log(engine.tick(t + 3_600_000).commands); // []

const saved = JSON.stringify(engine.snapshot()); // survives a restart inside the window
AutomationEngine.restore(JSON.parse(saved), {
  rules: [{ name: "after-hours", windows: ["20:30-08:30"], timeZone: "Europe/Lisbon" }],
});
