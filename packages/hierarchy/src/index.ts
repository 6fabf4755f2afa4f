export { HierarchyError, type HierarchyErrorCode } from "./errors";
