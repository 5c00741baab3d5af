import { pauseCommand } from './pause-command.ts';

export const command = 'pause <container...>';
export const describe = 'Freeze every process of running containers';
export const { builder, handler } = pauseCommand(true);
