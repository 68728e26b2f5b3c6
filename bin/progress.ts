/** The upload progress line: bytes, percentage, rate and time left. */

const units = ['B', 'KiB', 'MiB', 'GiB'];

export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

export function progressLine(sent: number, total: number, seconds: number): string {
  const rate = seconds > 0 ? sent / seconds : 0;
  const percent = total === 0 ? 100 : Math.floor((sent / total) * 100);
  const width = 20;
  const filled = Math.round((percent / 100) * width);
  const eta = rate > 0 ? Math.ceil((total - sent) / rate) : undefined;
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${percent}% ${formatBytes(sent)}/${formatBytes(total)} ${formatBytes(rate)}/s ETA ${eta === undefined ? '?' : `${eta}s`}`;
}
