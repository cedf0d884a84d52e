/** A nullable numeric column as a number (or null), whatever form the driver returned it in. */
export const nullableNumber = (v: string | number | null): number | null => (v === null ? null : Number(v));
