/** Whether the runtime knows `zone` as an IANA time zone (what reports compute days in). */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
