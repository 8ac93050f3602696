/* `influmap batch`: see batch-cmd.c. */
#ifndef IM_CLI_BATCH_CMD_H
#define IM_CLI_BATCH_CMD_H

/* Runs the batch command on its arguments (after "batch"); returns the
 * exit code. */
int im_cli_batch(int argc, char **argv);

#endif
