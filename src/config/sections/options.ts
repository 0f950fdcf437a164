/**
 * `<options>`: settings every action shares (starting day, working directory, backup
 * user and group, remote commands, managed actions, command overrides and action hooks).
 */
import type { ActionHook, CommandOverride, OptionsConfig } from "../types.js";
import {
  readAbsolutePath,
  readActionList,
  readEnum,
  readString,
  type ReadContext,
} from "../xml/read-fields.js";
import { element, textElement, type XmlElement } from "../xml/write-xml.js";
import { childrenNamed, type XmlNode } from "../xml/xml-node.js";
import {
  csvElement,
  DAYS_OF_WEEK,
  definedFields,
  nonEmpty,
  readActionName,
} from "./shared-fields.js";

/**
 * Read `<options>`. Field syntax (day names, absolute paths, action names) is checked here;
 * required fields are checked by config/rules.ts. Hooks are listed pre-action hooks first,
 * then post-action hooks, each group in document order (as Cedar reads them).
 * @returns `undefined` when the section is absent.
 */
export function readOptionsSection(
  node: XmlNode | undefined,
  ctx: ReadContext,
): OptionsConfig | undefined {
  if (node === undefined) return undefined;
  return definedFields<OptionsConfig>({
    startingDay: readEnum(node, "starting_day", DAYS_OF_WEEK, ctx),
    workingDir: readAbsolutePath(node, "working_dir", ctx),
    backupUser: readString(node, "backup_user"),
    backupGroup: readString(node, "backup_group"),
    rcpCommand: readString(node, "rcp_command"),
    rshCommand: readString(node, "rsh_command"),
    cbackCommand: readString(node, "cback_command"),
    managedActions: readActionList(node, "managed_actions", ctx),
    overrides: nonEmpty(
      childrenNamed(node, "override").map((override) =>
        definedFields<CommandOverride>({
          command: readString(override, "command"),
          absPath: readAbsolutePath(override, "abs_path", ctx),
        }),
      ),
    ),
    hooks: nonEmpty([
      ...childrenNamed(node, "pre_action_hook").map((hook) => readHook(hook, "pre", ctx)),
      ...childrenNamed(node, "post_action_hook").map((hook) => readHook(hook, "post", ctx)),
    ]),
  });
}

function readHook(node: XmlNode, type: ActionHook["type"], ctx: ReadContext): ActionHook {
  return definedFields<ActionHook>({
    type,
    action: readActionName(node, "action", ctx),
    command: readString(node, "command"),
  });
}

/** `<options>` as an element, fields in Cedar's order. */
export function writeOptionsSection(value: OptionsConfig): XmlElement {
  return element("options", [
    textElement("starting_day", value.startingDay),
    textElement("working_dir", value.workingDir),
    textElement("backup_user", value.backupUser),
    textElement("backup_group", value.backupGroup),
    textElement("rcp_command", value.rcpCommand),
    textElement("rsh_command", value.rshCommand),
    textElement("cback_command", value.cbackCommand),
    csvElement("managed_actions", value.managedActions),
    ...(value.overrides ?? []).map((override) =>
      element("override", [
        textElement("command", override.command),
        textElement("abs_path", override.absPath),
      ]),
    ),
    ...(value.hooks ?? []).map((hook) =>
      element(hook.type === "pre" ? "pre_action_hook" : "post_action_hook", [
        textElement("action", hook.action),
        textElement("command", hook.command),
      ]),
    ),
  ]);
}
