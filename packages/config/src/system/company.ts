import { z } from "zod";
import { topicSafe } from "./fields";

/** MQTT topic filter of the company: exactly `<Company>/#`, as in the original service. */
const companyTopic = z
  .string()
  .refine(
    (t) => /^[^/]+\/#$/.test(t) && topicSafe(t.slice(0, -2)),
    'must be "<Company>/#", e.g. "Coreflux/#"',
  );

/** `[company]`: the one required table. Its topic's first segment is the company name. */
export const companyTable = z.strictObject({ topic: companyTopic });
