// With payload encryption on, failure messages and stack traces travel as an encoded payload (which the codec
// encrypts) instead of plain text: an error quoting a manifest or a Helm value stays unreadable in history.
// Loaded by path (DataConverter.failureConverterPath), so the Worker bundles it into the workflow sandbox too.
import { DefaultFailureConverter } from '@temporalio/common';

export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
