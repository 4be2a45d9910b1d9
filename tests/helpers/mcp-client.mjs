// mcp-client.mjs -- drive tinkr's MCP endpoint with the official MCP
// TypeScript SDK: connect over Streamable HTTP (with a bearer token) or
// over stdio (a command such as `tinkr mcp`), list the tools, call each
// one, and print one JSON line per step for the test to read.
//
// usage: node mcp-client.mjs http URL TOKEN SERVICE
//        node mcp-client.mjs sse URL TOKEN SERVICE
//        node mcp-client.mjs stdio COMMAND SERVICE [ARG...]

import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from
    "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";

const [mode, target, ...rest] = process.argv.slice(2);
let transport, service;
if (mode === "http") {
	const [token, svc] = rest;
	service = svc;
	transport = new StreamableHTTPClientTransport(new URL(target), {
		requestInit: { headers: { Authorization: `Bearer ${token}` } },
	});
} else if (mode === "sse") {
	const [token, svc] = rest;
	const auth = { Authorization: `Bearer ${token}` };
	service = svc;
	transport = new SSEClientTransport(new URL(target), {
		requestInit: { headers: auth },
		eventSourceInit: { fetch: (url, init) => fetch(url,
		    { ...init, headers: { ...(init && init.headers), ...auth } }) },
	});
} else {
	const [svc, ...args] = rest;
	service = svc;
	transport = new StdioClientTransport({ command: target, args,
	    env: process.env });
}

function say(step, data) {
	console.log(JSON.stringify({ step, ...data }));
}

const client = new Client({ name: "tinkr-test", version: "1.0.0" });
try {
	await client.connect(transport);
	say("connected", { server: client.getServerVersion() });
	const tools = await client.listTools();
	say("tools", { names: tools.tools.map((t) => t.name) });
	const calls = {
		detect_anomalies: { service, window_minutes: 60 },
		query_logs: { service, query: "level:error", since: "1h",
		    limit: 5 },
		get_recent_errors: { service, minutes: 30 },
		get_metrics: { service, metric_name: "error_count",
		    since: "1h" },
		get_file: { service, path: "src/pay.py" },
		search_code: { service, pattern: "TimeoutError",
		    file_glob: "*.py", context_lines: 1 },
	};
	if (process.env.MCP_FIX_DIFF)
		calls.suggest_fix = { service, incident_id: "INC-SDK",
		    explanation: "from the SDK",
		    diff: process.env.MCP_FIX_DIFF + "\n" };
	for (const [name, args] of Object.entries(calls)) {
		const r = await client.callTool({ name, arguments: args });
		say("call", { name, isError: r.isError === true,
		    text: r.content[0].text, structured: r.structuredContent });
	}
	const bad = await client.callTool({ name: "detect_anomalies",
	    arguments: { service: "no-such-service" } });
	say("bad-service", { isError: bad.isError === true,
	    text: bad.content[0].text });
	await client.close();
	say("closed", {});
} catch (e) {
	say("error", { message: String(e && e.message || e) });
	process.exit(1);
}
