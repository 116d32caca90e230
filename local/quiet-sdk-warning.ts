/**
 * The AWS SDK prints a notice on Node 20 that SDK versions published after January 2027 will need Node 22.
 * The lockfile pins an earlier SDK and Lambda runs Node 22/24, so locally it is noise on every CLI's stderr.
 * Imported first by the local entry points; an explicit setting in the environment wins.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
