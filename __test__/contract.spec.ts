// The package's types satisfy the server's IIncrementalWriter contract under `strict`.
import * as path from 'path';
import * as ts from 'typescript';

function compile(file: string): string[] {
  const configPath = path.join(__dirname, 'tsconfig.json');
  const config = ts.readConfigFile(configPath, ts.sys.readFile);
  const options = ts.parseJsonConfigFileContent(config.config, ts.sys, __dirname).options;
  const program = ts.createProgram([file], { ...options, strict: true, noUnusedLocals: false });
  return ts
    .getPreEmitDiagnostics(program)
    .map((d) => `${d.file ? path.basename(d.file.fileName) : ''}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
}

describe('the server contract', () => {
  it('type-checks the server code against the package with no cast', () => {
    expect(compile(path.join(__dirname, 'fixtures', 'server-contract.ts'))).toEqual([]);
  });

  it('catches a writer that does not fit the contract', () => {
    const broken = path.join(__dirname, 'fixtures', 'broken-contract.ts');
    const errors = compile(broken);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/is not assignable to type '\(events: SessionEvent\[\], state: ReplState\) => Promise<void>'/);
  });
});
