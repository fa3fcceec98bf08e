// Prints the plain closing line 'N passed, N failed' (with skipped, if any) after the run,
// so the result reads the same to people and to CI.
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    const suffix = skipped > 0 ? `, ${skipped} skipped` : '';
    const failedSuites = results.numFailedTestSuites > 0 || results.numRuntimeErrorTestSuites > 0;
    const failed = results.numFailedTests + (failedSuites && results.numFailedTests === 0 ? 1 : 0);
    process.stdout.write(`\ntests: ${results.numPassedTests} passed, ${failed} failed${suffix}\n`);
  }
}
module.exports = SummaryReporter;
