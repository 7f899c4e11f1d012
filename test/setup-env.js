// Quiet, deterministic Powertools and SDK output in every test worker.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
process.env.POWERTOOLS_DEV = 'true';
process.env.POWERTOOLS_SERVICE_NAME = 'cachegate';
process.env.POWERTOOLS_LOG_LEVEL = process.env.POWERTOOLS_LOG_LEVEL ?? 'SILENT';
process.env.AWS_REGION = process.env.AWS_REGION ?? 'us-east-1';
