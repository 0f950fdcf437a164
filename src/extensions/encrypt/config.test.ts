import { describe, expect, it } from "vitest";
import { sectionFixtures } from "../../../test/support/section-fixtures.js";
import { encryptSectionReader, type EncryptConfig } from "./config.js";

const { readDocument, readFixture, readSection, writeDocument, fixtureValue } =
  sectionFixtures(encryptSectionReader);

describe("encrypt fixtures (cedar-extensions.md §6.3)", () => {
  it("rejects the empty document: the section is required", () => {
    const { value, rendered } = readFixture("encrypt.conf.1");
    expect(value).toBeUndefined();
    expect(rendered).toMatchInlineSnapshot(`
      [
        "encrypt.conf.1: encrypt: the <encrypt> section is required to run the encrypt extension; add one below <cb_config>",
      ]
    `);
  });

  it("encrypt.conf.2 reads field by field", () => {
    expect(readFixture("encrypt.conf.2").value).toStrictEqual({
      encryptMode: "gpg",
      encryptTarget: "Backup User",
    });
  });

  it("encrypt.conf.2 survives read -> write -> read", () => {
    const first = fixtureValue("encrypt.conf.2");
    const written = writeDocument(first);
    expect(written).toMatchInlineSnapshot(`
      "<?xml version='1.0' encoding='UTF-8'?>
      <cb_config>
         <encrypt>
            <encrypt_mode>gpg</encrypt_mode>
            <encrypt_target>Backup User</encrypt_target>
         </encrypt>
      </cb_config>
      "
    `);
    const again = readDocument(written, "written.xml");
    expect(again.rendered).toEqual([]);
    expect(again.value).toStrictEqual(first);
  });
});

describe("encrypt rules", () => {
  it.each([
    [
      "a target with markup characters",
      "<encrypt_mode>gpg</encrypt_mode><encrypt_target>Backup &lt;backup@example.com&gt;</encrypt_target>",
      [],
    ],
    [
      "a mode other than gpg",
      "<encrypt_mode>openssl</encrypt_mode><encrypt_target>Backup User</encrypt_target>",
      ['encrypt/encrypt_mode: must be one of gpg, got "openssl"'],
    ],
    [
      "the mode is case-sensitive",
      "<encrypt_mode>GPG</encrypt_mode><encrypt_target>Backup User</encrypt_target>",
      ['encrypt/encrypt_mode: must be one of gpg, got "GPG"'],
    ],
    [
      "no mode",
      "<encrypt_target>Backup User</encrypt_target>",
      ["encrypt/encrypt_mode: <encrypt_mode> is required: set it to gpg"],
    ],
    [
      "an empty section: both reported",
      "",
      [
        "encrypt/encrypt_mode: <encrypt_mode> is required: set it to gpg",
        "encrypt/encrypt_target: <encrypt_target> is required: give the gpg recipient whose public key encrypts the backup",
      ],
    ],
    [
      "an empty target counts as absent",
      "<encrypt_mode>gpg</encrypt_mode><encrypt_target/>",
      [
        "encrypt/encrypt_target: <encrypt_target> is required: give the gpg recipient whose public key encrypts the backup",
      ],
    ],
  ])("%s", (_name, body, expected) => {
    expect(readSection(body).messages).toEqual(expected);
  });

  it("round-trips a target with markup characters", () => {
    const value: EncryptConfig = { encryptMode: "gpg", encryptTarget: "A <a@b> & co" };
    expect(readDocument(writeDocument(value), "written.xml").value).toStrictEqual(value);
  });

  it("reports problems with their positions", () => {
    const xml = [
      "<cb_config>",
      "  <encrypt>",
      "    <encrypt_mode>pgp</encrypt_mode>",
      "  </encrypt>",
      "</cb_config>",
    ].join("\n");
    expect(readDocument(xml, "cback.conf").rendered).toMatchInlineSnapshot(`
      [
        "cback.conf:3:5: encrypt/encrypt_mode: must be one of gpg, got "pgp"",
        "cback.conf:2:3: encrypt/encrypt_target: <encrypt_target> is required: give the gpg recipient whose public key encrypts the backup",
      ]
    `);
  });
});
