/** The `is` parameter of room_member_count: a decimal integer optionally prefixed by
 *  `==`, `<`, `>`, `>=` or `<=` (no prefix means `==`). */
export type MemberCountOperator = '==' | '<' | '>' | '<=' | '>=';

export interface MemberCountTest {
  readonly op: MemberCountOperator;
  readonly count: number;
}

const IS_PATTERN = /^(==|<=|>=|<|>)?([0-9]+)$/;

/** Undefined when `is` is malformed: such a condition matches nothing. */
export function parseMemberCount(is: unknown): MemberCountTest | undefined {
  if (typeof is !== 'string') return undefined;
  const m = IS_PATTERN.exec(is);
  if (m === null) return undefined;
  const count = Number(m[2]);
  if (!Number.isSafeInteger(count)) return undefined;
  return { op: (m[1] ?? '==') as MemberCountOperator, count };
}

export function memberCountMatches(test: MemberCountTest, memberCount: number): boolean {
  switch (test.op) {
    case '==':
      return memberCount === test.count;
    case '<':
      return memberCount < test.count;
    case '>':
      return memberCount > test.count;
    case '<=':
      return memberCount <= test.count;
    case '>=':
      return memberCount >= test.count;
  }
}
