/**
 * The library API of cedar-backup: the configuration model, the extension interface, the
 * pieces that plan and run actions, and the errors they throw. Deep imports are blocked by
 * package.json `exports`; everything public is re-exported here.
 */

// Errors and exit codes
export { ExitCode, type ExitCodeValue } from "./errors/exit-codes.js";
export {
  ActionError,
  CbackError,
  ConfigError,
  ExternalCommandError,
  InterruptedError,
  LockedError,
  LoggingSetupError,
  UsageError,
  formatConfigIssue,
  type ConfigIssue,
} from "./errors/cback-error.js";

// Logging and secrets
export { Secret } from "./log/secret.js";
export {
  createMemoryLogger,
  silentLogger,
  type LogLevel,
  type LogRecord,
  type Logger,
} from "./log/logger.js";
export { createLogger, type CliLogger, type CreateLoggerOptions } from "./log/create-logger.js";

// Configuration model
export type * from "./config/types.js";
export {
  loadConfig,
  parseConfig,
  type ConfigResult,
  type ParseConfigOptions,
  type SectionResult,
} from "./config/load-config.js";
export { writeConfig, type ExtensionSectionValue } from "./config/write-config.js";
export * from "./config/normalize.js";
export type { SectionReader } from "./config/section-reader.js";
export type { XmlNode } from "./config/xml/xml-node.js";
export { childrenNamed, firstChild } from "./config/xml/xml-node.js";
export { parseXml, type ParsedXml } from "./config/xml/parse-xml.js";
export {
  addIssue,
  addMissing,
  createReadContext,
  formatByteQuantity,
  parseByteQuantity,
  parseCommaSeparated,
  parsePythonFloat,
  parsePythonInt,
  readAbsolutePath,
  readBoolean,
  readByteQuantity,
  readEnum,
  readInteger,
  readString,
  readStringList,
  type ByteQuantity,
  type ReadContext,
} from "./config/xml/read-fields.js";
export { element, textElement, writeXmlDocument, type XmlElement } from "./config/xml/write-xml.js";

// Pure rules
export {
  compilePythonPattern,
  translatePythonRegex,
  type CompiledPattern,
} from "./domain/python-regex.js";
export { splitCommandLine } from "./domain/split-command-line.js";
export {
  planActionOrder,
  dependencyOrder,
  type ActionOrderInput,
  type PlannedStep,
} from "./domain/action-order.js";

// Extensions
export type { ExtensionContext, ExtensionFunction } from "./extensions/extension.js";
export {
  builtinExtensions,
  builtinSectionReaders,
  findBuiltinExtension,
  resolveExtensions,
  type BuiltinExtension,
  type ResolvedExtension,
} from "./extensions/registry.js";
export { amazons3SectionReader, type AmazonS3Config } from "./extensions/amazons3/config.js";
export { capacitySectionReader, type CapacityConfig } from "./extensions/capacity/config.js";
export { encryptSectionReader, type EncryptConfig } from "./extensions/encrypt/config.js";
export { mboxSectionReader, type MboxConfig } from "./extensions/mbox/config.js";
export { mysqlSectionReader, type MysqlConfig } from "./extensions/mysql/config.js";
export { postgresqlSectionReader, type PostgresqlConfig } from "./extensions/postgresql/config.js";
export { splitSectionReader, type SplitConfig } from "./extensions/split/config.js";
export { subversionSectionReader, type SubversionConfig } from "./extensions/subversion/config.js";

// Running
export type { ActionContext, ActionHandler, Clock, RunFlags } from "./actions/action-context.js";
export { systemClock } from "./actions/action-context.js";
export {
  createValidateAction,
  validateConfiguration,
  type RequiredProgram,
  type ValidateFinding,
  type ValidateInput,
} from "./actions/validate.js";
export {
  prepareRun,
  requiredPrograms,
  type PreparedRun,
  type PrepareRunInput,
} from "./run/prepare-run.js";
export { createBuiltinActions, runActions, type RunPlanInput } from "./run/run-actions.js";
export type { Invocation, RunOptions, RunOutput, ToolRunner } from "./exec/tool-runner.js";
export { createNodeRunner } from "./exec/node-runner.js";
export { acquireRunLock, defaultLockDir, runLockPath } from "./fs/run-lock.js";
export { main as runCommandLine, type CliIo } from "./cli/main.js";
