/** Where a command writes. */
export interface CommandIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/** One `starling` sub-command. */
export interface Command {
  name: string;
  /** One line for `starling --help`. */
  summary: string;
  /** Usage text for `starling <name> --help`. */
  usage: string;
  /** Run with the arguments after the command name; resolves to the exit code. */
  run(argv: string[], io: CommandIo): Promise<number>;
}
