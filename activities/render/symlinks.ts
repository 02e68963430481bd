// Out-of-bounds symlinks in the app's directory (recursively) are refused before anything renders, naming the
// file and its target, as Argo CD refuses them. Read from git: the checkout holds symlinks as plain files.
import { symlinkLeavesRepository } from '../../domain/manifests/render-key';
import { CommitReader } from '../git/repository';
import { RenderError } from './exec';

const SYMLINK_MODE = '120000';

export async function refuseOutOfBoundsSymlinks(reader: CommitReader, appPath: string): Promise<void> {
  const { entries } = await reader.tree(appPath);
  for (const entry of entries) {
    const repoPath = appPath === '.' ? entry.path : `${appPath}/${entry.path}`;
    if (entry.type === 'tree') await refuseOutOfBoundsSymlinks(reader, repoPath);
    else if (entry.mode === SYMLINK_MODE) {
      const target = await reader.text(repoPath);
      if (symlinkLeavesRepository(repoPath, target)) {
        throw new RenderError(`${repoPath}: a symlink to ${JSON.stringify(target)}, outside the repository: out-of-bounds symlinks are refused`, { file: repoPath });
      }
    }
  }
}
