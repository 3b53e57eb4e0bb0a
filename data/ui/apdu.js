// SPDX-License-Identifier: GPL-2.0-or-later
// Status words (ISO/IEC 7816-4, ETSI TS 102 221, 3GPP TS 51.011) in words.
// The daemon names the instruction of each command; the status word of the
// answer is read here.

const EXACT = {
  "9000": "OK",
  "9300": "toolkit busy",
  "6200": "warning: no information",
  "6281": "warning: data may be corrupted",
  "6282": "warning: end of file reached",
  "6283": "warning: selected file invalidated",
  "6285": "warning: file in termination state",
  "62F1": "warning: more data available",
  "6400": "execution error",
  "6581": "memory problem",
  "6700": "wrong length",
  "6881": "logical channel not supported",
  "6882": "secure messaging not supported",
  "6981": "incompatible file structure",
  "6982": "security status not satisfied",
  "6983": "authentication method blocked",
  "6984": "referenced data invalidated",
  "6985": "conditions of use not satisfied",
  "6986": "no current EF",
  "6A80": "incorrect data",
  "6A81": "function not supported",
  "6A82": "file not found",
  "6A83": "record not found",
  "6A84": "not enough memory",
  "6A86": "incorrect P1-P2",
  "6A87": "Lc inconsistent with P1-P2",
  "6A88": "referenced data not found",
  "6B00": "wrong P1-P2",
  "6D00": "instruction not supported",
  "6E00": "class not supported",
  "6F00": "no precise diagnosis",
  "9802": "no CHV initialised",
  "9804": "access condition not fulfilled",
  "9808": "contradicts CHV status",
  "9810": "contradicts invalidation status",
  "9840": "CHV blocked",
  "9850": "increase not possible: maximum reached",
  "9862": "authentication error (MAC)",
  "9863": "security session expired",
};

// sw: 4 hex digits. Returns a short meaning, or "" when unknown.
export function swMeaning(sw) {
  if (!sw || sw.length !== 4)
    return "";
  sw = sw.toUpperCase();
  if (EXACT[sw])
    return EXACT[sw];
  const sw1 = sw.slice(0, 2), n = parseInt(sw.slice(2), 16);
  switch (sw1) {
  case "61": return `OK, ${n || 256} bytes to GET RESPONSE`;
  case "6C": return `wrong Le: ${n} bytes available`;
  case "91": return `OK, proactive command of ${n} bytes`;
  case "9F": return `OK, ${n} bytes of response (GET RESPONSE)`;
  case "92": return n < 16 ? `OK after ${n} retries` : "memory problem";
  case "63": return (n & 0xf0) === 0xc0 ? `verification failed, ${n & 0x0f} tries left` : "warning";
  case "62": return "warning";
  case "64": return "execution error";
  case "65": return "execution error, memory changed";
  case "67": return "wrong length";
  case "68": return "function in CLA not supported";
  case "69": return "command not allowed";
  case "6A": return "wrong parameters";
  default: return "";
  }
}

// The status word at the end of a response in hex ("" when too short).
export function swOf(responseHex) {
  if (!responseHex || responseHex.length < 4)
    return "";
  return responseHex.slice(-4).toUpperCase();
}
