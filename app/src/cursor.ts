import { createHmac, timingSafeEqual } from "node:crypto";
import { readFileSync } from "node:fs";

/**
 * The session-signing key from Vault (rendered by the Vault Agent injector into a file). It signs what the service
 * hands to clients and must get back unchanged: the opaque paging cursors, so a client cannot forge a position.
 */
export class SigningKey {
  private constructor(private readonly key: Buffer) {}

  static fromFile(file: string): SigningKey {
    let text: string;
    try {
      text = readFileSync(file, "utf8").trim();
    } catch (error) {
      throw new Error(
        `SESSION_KEY_FILE ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? "error"}): expected the session-signing key the Vault Agent renders`,
        { cause: error },
      );
    }
    if (text.length < 32) throw new Error(`SESSION_KEY_FILE ${file} holds ${text.length} characters: expected a key of at least 32`);
    return new SigningKey(Buffer.from(text, "utf8"));
  }

  private mac(payload: string): Buffer {
    return createHmac("sha256", this.key).update(payload).digest();
  }

  sign(value: string): string {
    const payload = Buffer.from(value, "utf8").toString("base64url");
    return `${payload}.${this.mac(payload).toString("base64url")}`;
  }

  /** The signed value, or undefined when the token was not signed with this key. */
  verify(token: string): string | undefined {
    const [payload, signature, ...rest] = token.split(".");
    if (payload === undefined || signature === undefined || rest.length > 0) return undefined;
    const expected = this.mac(payload);
    const given = Buffer.from(signature, "base64url");
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    return Buffer.from(payload, "base64url").toString("utf8");
  }
}
