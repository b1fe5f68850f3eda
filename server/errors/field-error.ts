/** Bad input that names its field: answered as 400 `{error: {message, fields: [{field, problem}]}}`. */
export class FieldError extends Error {
  constructor(readonly field: string, message: string) {
    super(message);
    this.name = 'FieldError';
  }
}
