// Redis-style log lines ("<pid>:<role> <date> <level-char> <message>") to stdout or a logfile,
// filtered by loglevel.
import * as fs from 'node:fs';

const LEVELS = ['debug', 'verbose', 'notice', 'warning', 'nothing'] as const;
export type LogLevel = (typeof LEVELS)[number];
const MARK: Record<string, string> = { debug: '.', verbose: '-', notice: '*', warning: '#' };
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export class Logger {
  level: LogLevel = 'notice';
  private fd: number | null = null;
  /** 'M' master, 'S' replica, 'C' child (unused): the role char Redis prints. */
  role = 'M';

  setFile(path: string): void {
    if (this.fd !== null) fs.closeSync(this.fd);
    this.fd = path === '' ? null : fs.openSync(path, 'a');
  }

  log(level: LogLevel, msg: string): void {
    if (LEVELS.indexOf(level) < LEVELS.indexOf(this.level)) return;
    const d = new Date();
    const p2 = (n: number): string => String(n).padStart(2, '0');
    const ts = `${p2(d.getDate())} ${MONTHS[d.getMonth()]} ${d.getFullYear()} ${p2(d.getHours())}:${p2(
      d.getMinutes(),
    )}:${p2(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, '0')}`;
    const line = `${process.pid}:${this.role} ${ts} ${MARK[level]} ${msg}\n`;
    if (this.fd !== null) fs.writeSync(this.fd, line);
    else process.stdout.write(line);
  }

  notice(msg: string): void {
    this.log('notice', msg);
  }
  warning(msg: string): void {
    this.log('warning', msg);
  }
  verbose(msg: string): void {
    this.log('verbose', msg);
  }
  debug(msg: string): void {
    this.log('debug', msg);
  }
}
