import { condition, HealthCheck, specOf, statusOf } from './types';

const BAD_WAITING_REASONS = new Set(['ErrImagePull', 'ImagePullBackOff', 'CrashLoopBackOff', 'CreateContainerConfigError', 'InvalidImageName', 'CreateContainerError']);

interface ContainerStatus {
  name: string;
  state?: { waiting?: { reason?: string; message?: string }; terminated?: { exitCode?: number; reason?: string } };
}

export const podHealth: HealthCheck = (obj) => {
  const status = statusOf(obj);
  const restartPolicy = (specOf(obj).restartPolicy as string | undefined) ?? 'Always';
  const containers = [...((status.initContainerStatuses as ContainerStatus[] | undefined) ?? []), ...((status.containerStatuses as ContainerStatus[] | undefined) ?? [])];
  for (const c of containers) {
    const waiting = c.state?.waiting;
    if (waiting?.reason && BAD_WAITING_REASONS.has(waiting.reason)) return { status: 'Degraded', message: `${c.name}: ${waiting.reason}${waiting.message ? `: ${waiting.message}` : ''}` };
  }
  const message = status.message as string | undefined;
  switch (status.phase) {
    case 'Succeeded':
      return { status: 'Healthy', message };
    case 'Failed':
      return { status: 'Degraded', message: message ?? 'Pod failed' };
    case 'Running':
      if (restartPolicy === 'Always') {
        return condition(obj, 'Ready')?.status === 'True' ? { status: 'Healthy' } : { status: 'Progressing', message: 'Pod is not ready' };
      }
      return { status: 'Progressing', message: 'Pod is running' };
    default:
      return { status: 'Progressing', message: message ?? 'Pod is pending' };
  }
};
