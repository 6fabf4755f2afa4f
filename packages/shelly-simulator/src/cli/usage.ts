import { FAULT_KINDS } from "../core/faults";
import { DEFAULT_FLEET_OPTIONS } from "../core/fleet-options";
import { DEFAULT_MODEL_MIX } from "../core/model-mix";
import { SHELLY_MODELS } from "../core/models";
import { DEFAULT_URL } from "../io/run-options";

const d = DEFAULT_FLEET_OPTIONS;
const defaultMix = SHELLY_MODELS.map((m) => `${m}=${DEFAULT_MODEL_MIX[m]}`).join(",");

/** The `--help` text. */
export const USAGE = `Usage: shelly-sim [options]

Simulates a fleet of Shelly devices on an MQTT broker: wire-exact Gen1/Gen2 topics and payloads,
realistic loads, optional faults, and the exact energy it published (the truth) at the end.

Fleet
  --company <name>         first topic level and root of every path (default ${d.company})
  --offices <n>            offices (default ${d.offices})
  --rooms <n>              rooms per office (default ${d.roomsPerOffice})
  --devices <n>            devices per room (default ${d.devicesPerRoom})
  --models <mix>           model weights, e.g. "plus-plug-s=4,pro-3em=1" or "gen1-plug-s,gen1-em"
                           (default ${defaultMix})
  --layout <layout>        hierarchy: Gen2 prefix <Company>/<Office>/<Room>/<Device>;
                           ids: Gen2 prefix = device id. Gen1 is always shellies/<id>. (default ${d.layout})
  --seed <n>               seed of every random choice; same seed, same run (default ${d.seed})
  --start <time>           simulated start, ISO 8601 or Unix ms (default: now)
  --timezone <zone>        IANA time zone of office hours and daylight (default ${d.timeZone})
  --faults <rates>         e.g. "reset=0.01,zero=0.01,spike=0.005,duplicate=0.02,reorder=0.01,
                           malformed=0.01,offline=0.002". reset and offline: expected events per
                           device-hour; the others: probability per metering message.
                           Kinds: ${FAULT_KINDS.join(", ")}

Publishing
  --url <url>              broker (default ${DEFAULT_URL})
  --qos <0|1>              QoS of every publish (default 1: no message is lost)
  --speed <x>              simulated seconds per second (default 1; 60 = a minute per second)
  --flood                  as fast as the broker accepts (needs --duration or --max-messages)
  --duration <s>           stop after this many simulated seconds
  --max-messages <n>       stop after about this many messages

Commands
  --commands               devices subscribe to their command topics and obey like real ones:
                           Gen2 <prefix>/command/switch:<n> (on, off, toggle) and <prefix>/rpc
                           (Switch.Set, Switch.Toggle, Schedule.*; answers on <src>/rpc),
                           Gen1 shellies/<id>/relay/<n>/command (on, off, toggle)
  --ignore-commands <x>    devices that ignore every command: a fraction (0.1) or device ids,
                           prefixes or paths, comma-separated (needs --commands)
  --person <s|min-max>     a person switches a channel back on this many simulated seconds
                           after a command switched it off (needs --commands)
  --person-probability <p> share of switched-off channels the person switches back on (default 1)
  --person-source <name>   the source the status reports (default WS_in; not MQTT)

Output
  --truth-file <path>      write the truth (JSON, integer mWh per device/room/office/company)
  --truth-topic <topic>    publish the truth there (retained), e.g. <Company>/simulator/truth
  --placements-file <path> write [[devices]] TOML for devices whose topic does not place them
  --placements-only        only write --placements-file (or print the TOML), do not connect
  --quiet                  no progress lines
  -h, --help               this text
  -v, --version            the version

At the end every channel publishes its counter, every device says online false (a fleet on one
connection cannot register per-device last wills), and the truth is written. Exit codes: 0 done,
1 broker or file error, 2 bad options.
`;
