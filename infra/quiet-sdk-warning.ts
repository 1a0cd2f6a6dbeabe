/**
 * Imported first by the command line and `npm start`. kindred's pins are tried on Node 20 (see README), and the
 * AWS SDK warns in every process that its releases from 2027 will need Node 22: the pinned SDK does not move by
 * itself, so for these tools the warning is noise between the operator and their output.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
