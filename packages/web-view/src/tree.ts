/**
 * The table's logic without the DOM: which rows are visible, in which order, at which depth,
 * given the tree, the expanded paths, the sort and the name filter. Pure.
 */
import type { ApiChannel, ApiNode } from "./api";

/** A column the table sorts by. */
export type SortKey =
  | "name"
  | "powerW"
  | "energyThisHourWh"
  | "energyTodayWh"
  | "energyThisMonthWh"
  | "energyWh"
  | "state";

/** The sort: a column and a direction. */
export interface SortState {
  key: SortKey;
  descending: boolean;
}

/** What the person chose: kept across live updates. */
export interface ViewState {
  /** Paths of the nodes whose children (or, for a device, channels) are shown. */
  expanded: ReadonlySet<string>;
  sort: SortState;
  /** Text typed into the name filter; blank means no filter. */
  filter: string;
}

/** A visible row for a node. */
export interface NodeRow {
  kind: "node";
  /** Unique among rows: the node's path. */
  key: string;
  node: ApiNode;
  /** 0 for the company, 1 for an office, ... */
  depth: number;
  /** Whether it has children or channels to show. */
  expandable: boolean;
  /** Whether its children or channels are shown now. */
  expanded: boolean;
  /** Expanded by the filter (it leads to a match), not by the person: its toggle is disabled. */
  forced: boolean;
}

/** A visible row for a channel of an expanded device. */
export interface ChannelRow {
  kind: "channel";
  /** Unique among rows: `<device path>#<channel id>`. */
  key: string;
  device: ApiNode;
  channel: ApiChannel;
  depth: number;
}

/** One visible row of the table, in display order. */
export type TreeRow = NodeRow | ChannelRow;

/** The row key of a channel: `Porto/Kitchen/Fridge#switch:0`. */
export const channelKey = (devicePath: string, channelId: string): string =>
  `${devicePath}#${channelId}`;

/** Lower case without accents, so "escritorio" finds "Escritório". */
export const normalizeName = (s: string): string =>
  s.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase().trim();

/** Whether `name` contains the filter text (case and accents ignored); a blank filter matches. */
export function matchesFilter(name: string, filter: string): boolean {
  const f = normalizeName(filter);
  return f === "" || normalizeName(name).includes(f);
}

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });

function stateKey(s: ApiNode["state"]): number[] {
  // "Problems first" when descending: offline, then stale, then online.
  return [s.offline, s.stale, s.online];
}

function compareArrays(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** Orders two sibling nodes by the sort; ties by name, then by path (a stable total order). */
export function compareNodes(a: ApiNode, b: ApiNode, sort: SortState): number {
  let d: number;
  if (sort.key === "name") d = collator.compare(a.name, b.name);
  else if (sort.key === "state") d = compareArrays(stateKey(a.state), stateKey(b.state));
  else d = a[sort.key] - b[sort.key];
  if (sort.descending) d = -d;
  if (d !== 0) return d;
  return collator.compare(a.name, b.name) || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
}

/** Orders two channels of a device: by id, power or total energy; other columns keep id order. */
export function compareChannels(a: ApiChannel, b: ApiChannel, sort: SortState): number {
  let d = 0;
  if (sort.key === "name") d = collator.compare(a.id, b.id);
  else if (sort.key === "powerW" || sort.key === "energyWh") d = a[sort.key] - b[sort.key];
  if (sort.descending) d = -d;
  return d !== 0 ? d : collator.compare(a.id, b.id);
}

/** The visible rows of the table, in display order. `root` null (no device yet): no rows. */
export function visibleRows(root: ApiNode | null, view: ViewState): TreeRow[] {
  if (root === null) return [];
  const filtering = normalizeName(view.filter) !== "";
  const leadsToMatch = new Map<ApiNode, boolean>();
  const subtreeMatches = (n: ApiNode): boolean => {
    let m = leadsToMatch.get(n);
    if (m === undefined) {
      m = matchesFilter(n.name, view.filter) || n.children.some(subtreeMatches);
      leadsToMatch.set(n, m);
    }
    return m;
  };
  const rows: TreeRow[] = [];
  const visit = (node: ApiNode, depth: number, insideMatch: boolean) => {
    const inMatch = !filtering || insideMatch || matchesFilter(node.name, view.filter);
    const channels = node.channels ?? [];
    const children = [...node.children].sort((a, b) => compareNodes(a, b, view.sort));
    let shown: ApiNode[];
    let showChannels: boolean;
    let forced = false;
    let expanded: boolean;
    if (inMatch) {
      expanded = view.expanded.has(node.path);
      shown = expanded ? children : [];
      showChannels = expanded;
    } else {
      // Outside any match: only the way to the matches is shown, opened by the filter.
      shown = children.filter(subtreeMatches);
      showChannels = false;
      forced = true;
      expanded = true;
    }
    const expandable = children.length > 0 || channels.length > 0;
    rows.push({
      kind: "node",
      key: node.path,
      node,
      depth,
      expandable,
      expanded: expandable && expanded,
      forced,
    });
    if (showChannels) {
      for (const channel of [...channels].sort((a, b) => compareChannels(a, b, view.sort))) {
        rows.push({
          kind: "channel",
          key: channelKey(node.path, channel.id),
          device: node,
          channel,
          depth: depth + 1,
        });
      }
    }
    for (const child of shown) visit(child, depth + 1, inMatch);
  };
  if (!filtering || subtreeMatches(root)) visit(root, 0, false);
  return rows;
}

/** The node at `path`, or undefined when it is not (or no longer) in the tree. */
export function findNode(root: ApiNode | null, path: string): ApiNode | undefined {
  if (root === null) return undefined;
  if (root.path === path) return root;
  for (const child of root.children) {
    if (path === child.path || path.startsWith(`${child.path}/`)) return findNode(child, path);
  }
  return undefined;
}

/** Paths of every node that has children or channels (for "expand all"). */
export function expandablePaths(root: ApiNode | null): string[] {
  const out: string[] = [];
  const walk = (n: ApiNode) => {
    if (n.children.length > 0 || (n.channels?.length ?? 0) > 0) out.push(n.path);
    n.children.forEach(walk);
  };
  if (root !== null) walk(root);
  return out;
}

/** The paths opened on first load: the company and its offices, so the rooms show. */
export function initialExpanded(root: ApiNode | null): Set<string> {
  const out = new Set<string>();
  if (root === null) return out;
  out.add(root.path);
  for (const office of root.children) out.add(office.path);
  return out;
}

/**
 * The history glob of a node's children: `Porto/*`, and `*` for the company (path "").
 * A device has no children: its own path.
 */
export function childrenGlob(node: ApiNode): string {
  if (node.children.length === 0) return node.path;
  return node.path === "" ? "*" : `${node.path}/*`;
}
