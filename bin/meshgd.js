#!/usr/bin/env node
// The meshgd command. The TypeScript sources are compiled to dist/ by `npm run build` (run by `prepare`).
const major = Number(process.versions.node.split('.')[0])
if (major < 22) {
  console.error(
    `meshgd: needs Node 22 or later (libp2p v3), this is Node ${process.versions.node}; run it as \`npx meshgd\` or through npm scripts, which use the project's own Node 24`,
  )
  process.exit(2)
}
// A container's HEALTHCHECK runs `meshgd health` every 15 s: answer it without loading the program (seconds on a
// busy machine, past the check's timeout). Anything but the plain forms goes on to the full command.
if (process.argv[2] === 'health') {
  const { quickHealth } = await import('../dist/src/cli/health-check.js')
  const code = quickHealth(process.argv.slice(3), process.env)
  if (code !== null) process.exit(code)
}
const { main } = await import('../dist/src/cli/main.js')
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
    // A network process can be held open by a stray libp2p handle after a clean stop: exit anyway, after giving
    // stdout two seconds to drain (the timer does not itself keep the process alive).
    setTimeout(() => process.exit(code), 2000).unref()
  },
  (err) => {
    console.error(`meshgd: ${err instanceof Error ? err.message : String(err)}`)
    process.exitCode = 1
  },
)
