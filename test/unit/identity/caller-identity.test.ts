// Who the CLI acts as: the cluster's SelfSubjectReview decides; --as only where the cluster cannot answer one.
import { callerIdentity, IdentityDecision, SelfReview } from '../../../domain/caller-identity';

const admin: SelfReview = { identity: { user: 'sluice-admin', groups: ['system:masters', 'system:authenticated'] } };
const noReviewApi: SelfReview = { unavailable: true };

test.each<[string, SelfReview, string | undefined, IdentityDecision]>([
  ['the review answers, no --as: the reviewed user and groups', admin, undefined, admin.identity],
  ['the review answers, --as repeats it: the reviewed user, groups kept', admin, 'sluice-admin', admin.identity],
  ['the review answers someone else: --as refused, naming both', admin, 'carol', {
    refused: '--as carol refused: the cluster says you are sluice-admin (SelfSubjectReview), and --as is only for clusters without SelfSubjectReview',
    hint: 'drop --as to act as sluice-admin, or use a kubeconfig (--context, KUBECONFIG) whose credentials are carol\'s',
  }],
  ['no review API, --as given: that user, with no groups (nobody vouches for any)', noReviewApi, 'carol', { user: 'carol', groups: [] }],
  ['no review API, no --as: nobody to act as', noReviewApi, undefined, {
    refused: 'cannot tell who you are: this cluster serves no SelfSubjectReview API',
    hint: 'pass --as <user> (clusters without SelfSubjectReview only; it acts through Temporal directly)',
  }],
])('%s', (_what, review, as, expected) => {
  expect(callerIdentity(review, as)).toEqual(expected);
});
