/** Server-server API "Transactions": at most 50 PDUs and 100 EDUs each, both ways. */
export const MAX_TXN_PDUS = 50;
export const MAX_TXN_EDUS = 100;
