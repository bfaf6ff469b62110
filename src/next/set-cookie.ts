/** The attributes of Next's `cookies().set(name, value, options)` that the library's Set-Cookie lines carry. */
export interface NextCookieOptions {
  maxAge?: number;
  expires?: Date;
  path?: string;
  domain?: string;
  secure?: boolean;
  httpOnly?: boolean;
  sameSite?: "lax" | "strict" | "none";
  partitioned?: boolean;
}

/** One Set-Cookie line of the engine, as the arguments of Next's `cookies().set()`. */
export interface ParsedSetCookie {
  name: string;
  value: string;
  options: NextCookieOptions;
}

/**
 * Splits a Set-Cookie line the engine wrote (src/core/cookie.ts: `name=value`, then `Max-Age`, `Expires`,
 * `Path`, `Domain`, `HttpOnly`, `Secure`, `SameSite`, `Partitioned`) into what Next's cookie store takes:
 * Next writes the line again itself, from these.
 */
export function parseSetCookie(line: string): ParsedSetCookie {
  const [pair = "", ...attributes] = line.split(";");
  const equals = pair.indexOf("=");
  const options: NextCookieOptions = {};
  for (const attribute of attributes) {
    const [rawKey = "", ...rest] = attribute.split("=");
    const key = rawKey.trim().toLowerCase();
    const value = rest.join("=").trim();
    if (key === "max-age") options.maxAge = Number(value);
    else if (key === "expires") options.expires = new Date(value);
    else if (key === "path") options.path = value;
    else if (key === "domain") options.domain = value;
    else if (key === "secure") options.secure = true;
    else if (key === "httponly") options.httpOnly = true;
    else if (key === "samesite") options.sameSite = value.toLowerCase() as "lax" | "strict" | "none";
    else if (key === "partitioned") options.partitioned = true;
  }
  return { name: pair.slice(0, equals).trim(), value: pair.slice(equals + 1).trim(), options };
}
