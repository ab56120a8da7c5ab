// The FIX codec's shared vocabulary: fields, reject verdicts and QuickFIX's wording for them.
// Everything in src/fix/ speaks these types; nothing here imports any other module of ours.

/** Field separator byte (Start Of Header). */
export const SOH = 0x01;

/** One tag=value pair as it appears on the wire. */
export type Field = [tag: number, value: string];
export type FieldList = Field[];

/** A session-level reject verdict: SessionRejectReason(373) code, the offending tag (371) if any. */
export interface FixError {
  reason: number;
  tag?: number;
  /** QuickFIX's wording for that 373 code (SESSION_REJECT_TEXT[reason]). */
  text: string;
}

/** SessionRejectReason(373) codes, named. */
export const SessionRejectReason = {
  INVALID_TAG_NUMBER: 0,
  REQUIRED_TAG_MISSING: 1,
  TAG_NOT_DEFINED_FOR_THIS_MESSAGE_TYPE: 2,
  UNDEFINED_TAG: 3,
  TAG_SPECIFIED_WITHOUT_A_VALUE: 4,
  VALUE_IS_INCORRECT: 5,
  INCORRECT_DATA_FORMAT_FOR_VALUE: 6,
  DECRYPTION_PROBLEM: 7,
  SIGNATURE_PROBLEM: 8,
  COMPID_PROBLEM: 9,
  SENDINGTIME_ACCURACY_PROBLEM: 10,
  INVALID_MSGTYPE: 11,
  TAG_APPEARS_MORE_THAN_ONCE: 13,
  TAG_SPECIFIED_OUT_OF_REQUIRED_ORDER: 14,
  REPEATING_GROUP_FIELDS_OUT_OF_ORDER: 15,
  INCORRECT_NUMINGROUP_COUNT_FOR_REPEATING_GROUP: 16,
  NON_DATA_VALUE_INCLUDES_FIELD_DELIMITER: 17,
  OTHER: 99,
} as const;

/** QuickFIX C++ 1.15 wording (Values.h SessionRejectReason_*_TEXT). */
export const SESSION_REJECT_TEXT: Record<number, string> = {
  0: 'Invalid tag number',
  1: 'Required tag missing',
  2: 'Tag not defined for this message type',
  3: 'Undefined Tag',
  4: 'Tag specified without a value',
  5: 'Value is incorrect (out of range) for this tag',
  6: 'Incorrect data format for value',
  7: 'Decryption problem',
  8: 'Signature problem',
  9: 'CompID problem',
  10: 'SendingTime accuracy problem',
  11: 'Invalid MsgType',
  13: 'Tag appears more than once',
  14: 'Tag specified out of required order',
  15: 'Repeating group fields out of order',
  16: 'Incorrect NumInGroup count for repeating group',
  17: 'Non Data value includes field delimiter (SOH character)',
  99: 'Other',
};

/** Build a FixError with QuickFIX's text for the code. */
export function fixError(reason: number, tag?: number): FixError {
  const text = SESSION_REJECT_TEXT[reason] ?? 'Other';
  return tag === undefined ? { reason, text } : { reason, tag, text };
}
