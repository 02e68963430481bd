// Errors in an Application's own input (its spec, its repository, its manifests, its annotations) as opposed
// to passing faults. They are classified by type, never by name: every input error extends InputError, is
// reported as a condition on the app and is never retried, since retrying cannot fix the input.

export interface InputLocation {
  /** The file in the repository (or rendered output) the problem is in, e.g. "guestbook/deploy.yaml:3". */
  file?: string;
  /** The field, e.g. `metadata.annotations["argocd.argoproj.io/sync-wave"]` or `spec.source.helm.valueFiles[0]`. */
  field?: string;
}

export class InputError extends Error {
  file?: string;
  field?: string;

  constructor(message: string, location: InputLocation = {}) {
    super(message);
    // The subclass's own name (GitError, RenderError, ...) for logs; classification never reads it.
    this.name = new.target.name;
    this.file = location.file;
    this.field = location.field;
  }
}

/**
 * The same problem located in a file: the message gains the file (and the object it is about) in front, and
 * the file and field are kept for the condition. An error that already names its file is returned as is.
 */
export function inFile(error: InputError, file: string, subject?: string): InputError {
  if (error.file) return error;
  const located = new InputError(`${file}: ${subject ? `${subject}: ` : ''}${error.message}`, { file, field: error.field });
  located.name = error.name;
  return located;
}
