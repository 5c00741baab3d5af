import { pauseCommand } from './pause-command.ts';

export const command = 'unpause <container...>';
export const describe = 'Thaw paused containers';
export const { builder, handler } = pauseCommand(false);
