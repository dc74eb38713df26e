// Calls grpc.health.v1.Health/Check through gRPC's proxyless xDS client, so that a real xDS client
// other than Envoy checks what the control plane serves. Prints one JSON line a call:
//   {"call":1,"ok":true,"backend":"a"}
//   {"call":2,"ok":false,"code":4,"details":"Deadline exceeded ..."}
// and a closing {"done":true,"calls":N,"failed":F}. The backend is the "backend-name" response header.
//
// Usage: GRPC_XDS_BOOTSTRAP=bootstrap.json node client.js [options]
//   --target URI        default xds:///some-service
//   --calls N           make N calls, then exit (1 when any failed); default 10
//   --until-stop        call until a line "stop" arrives on stdin or stdin closes
//   --interval-ms MS    pause between calls; default 100
//   --deadline-ms MS    deadline of each call; default 2000
//   --max-seconds S     upper bound on the run in either mode; default 120
'use strict';

const path = require('path');
const readline = require('readline');
const grpc = require('@grpc/grpc-js');
const grpcXds = require('@grpc/grpc-js-xds');
const protoLoader = require('@grpc/proto-loader');

const usageText = 'usage: GRPC_XDS_BOOTSTRAP=FILE node client.js [--target URI] [--calls N | --until-stop] ' +
  '[--interval-ms MS] [--deadline-ms MS] [--max-seconds S]';

function parseArguments(argv) {
  const options = { target: 'xds:///some-service', calls: 10, untilStop: false, intervalMs: 100, deadlineMs: 2000, maxSeconds: 120 };
  const numeric = { '--calls': 'calls', '--interval-ms': 'intervalMs', '--deadline-ms': 'deadlineMs', '--max-seconds': 'maxSeconds' };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === '--until-stop') {
      options.untilStop = true;
    } else if (flag === '--target' && i + 1 < argv.length) {
      options.target = argv[++i];
    } else if (flag in numeric && i + 1 < argv.length) {
      const value = Number(argv[++i]);
      if (!Number.isInteger(value) || value < 0) {
        fail(`${flag} '${argv[i]}' is not a non-negative integer`);
      }
      options[numeric[flag]] = value;
    } else {
      fail(`unknown or incomplete argument '${flag}'`);
    }
  }
  return options;
}

function fail(message) {
  console.error(`client.js: ${message}`);
  console.error(usageText);
  process.exit(2);
}

function createHealthClient(target) {
  const definition = protoLoader.loadSync(path.join(__dirname, 'health.proto'), { keepCase: true, enums: String });
  const health = grpc.loadPackageDefinition(definition).grpc.health.v1;
  return new health.Health(target, grpc.credentials.createInsecure());
}

// Resolves to the result line of one call; never rejects.
function check(client, number, deadlineMs) {
  return new Promise((resolve) => {
    let backend = null;
    const deadline = new Date(Date.now() + deadlineMs);
    const call = client.Check({ service: '' }, { deadline }, (error) => {
      if (error) {
        resolve({ call: number, ok: false, code: error.code, details: error.details });
      } else {
        resolve({ call: number, ok: true, backend });
      }
    });
    call.on('metadata', (metadata) => {
      const values = metadata.get('backend-name');
      backend = values.length > 0 ? String(values[0]) : null;
    });
  });
}

// Resolves when stdin sends "stop" or closes.
function stopRequested() {
  return new Promise((resolve) => {
    const lines = readline.createInterface({ input: process.stdin });
    lines.on('line', (line) => {
      if (line.trim() === 'stop') {
        resolve();
      }
    });
    lines.on('close', resolve);
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function main() {
  const options = parseArguments(process.argv.slice(2));
  if (!process.env.GRPC_XDS_BOOTSTRAP) {
    fail('GRPC_XDS_BOOTSTRAP is not set: it must name the xDS bootstrap JSON file');
  }

  grpcXds.register();
  const client = createHealthClient(options.target);

  let stopped = false;
  if (options.untilStop) {
    stopRequested().then(() => { stopped = true; });
  }

  const endTime = Date.now() + options.maxSeconds * 1000;
  let calls = 0;
  let failed = 0;
  while (!stopped && Date.now() < endTime && (options.untilStop || calls < options.calls)) {
    const result = await check(client, ++calls, options.deadlineMs);
    if (!result.ok) {
      failed++;
    }
    console.log(JSON.stringify(result));
    await sleep(options.intervalMs);
  }

  console.log(JSON.stringify({ done: true, calls, failed }));
  client.close();
  process.exit(!options.untilStop && failed > 0 ? 1 : 0);
}

main();
