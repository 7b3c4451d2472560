/** A rejected control call (bad argument or unknown family); the HTTP control API answers it with 400/404. */
export class ControlError extends Error {
  constructor(message: string, readonly status = 400) {
    super(message);
    this.name = 'ControlError';
  }
}
