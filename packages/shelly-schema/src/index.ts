export { ShellySchemaError, type ShellySchemaErrorCode } from "./errors";
