// The original module's spec, unchanged but for the line importing IncrementalWriter.
import * as fs from 'fs';
import * as path from 'path';
import * as os from 'os';
import { IncrementalWriter } from 'incremental-writer';
import type { SessionEvent } from './types';

describe('IncrementalWriter', () => {
  let tempDir: string;
  let eventFile: string;
  let indexFile: string;

  beforeEach(() => {
    tempDir = fs.mkdtempSync(path.join(os.tmpdir(), 'writer-test-'));
    eventFile = path.join(tempDir, 'test.jsonl');
    indexFile = path.join(tempDir, 'test.index.json');
  });

  afterEach(() => {
    fs.rmSync(tempDir, { recursive: true, force: true });
  });

  describe('appendEvents', () => {
    it('creates event file with header if not exists', async () => {
      const writer = new IncrementalWriter(eventFile, indexFile);

      const events: SessionEvent[] = [
        { type: 'input', seq: 0, code: '(+ 1 2)', timestamp: new Date().toISOString() },
      ];

      await writer.appendEvents(events, {});

      expect(fs.existsSync(eventFile)).toBe(true);

      const content = fs.readFileSync(eventFile, 'utf8');
      const lines = content.trim().split('\n');

      expect(lines.length).toBe(2); // header + event
      expect(JSON.parse(lines[0]).type).toBe('session');
      expect(JSON.parse(lines[1]).type).toBe('input');
    });

    it('appends to existing file', async () => {
      const writer = new IncrementalWriter(eventFile, indexFile);

      await writer.appendEvents([
        { type: 'input', seq: 0, code: 'first', timestamp: new Date().toISOString() },
      ], {});

      await writer.appendEvents([
        { type: 'input', seq: 1, code: 'second', timestamp: new Date().toISOString() },
      ], {});

      const content = fs.readFileSync(eventFile, 'utf8');
      const lines = content.trim().split('\n');

      expect(lines.length).toBe(3); // header + 2 events
    });

    it('creates and updates index file', async () => {
      const writer = new IncrementalWriter(eventFile, indexFile);

      await writer.appendEvents([
        { type: 'input', seq: 0, code: 'test', timestamp: new Date().toISOString() },
        { type: 'output', seq: 1, value: 'result', timestamp: new Date().toISOString() },
      ], {});

      expect(fs.existsSync(indexFile)).toBe(true);

      const index = JSON.parse(fs.readFileSync(indexFile, 'utf8'));
      expect(index.eventCount).toBe(2);
    });

    it('tracks checkpoints in index', async () => {
      const writer = new IncrementalWriter(eventFile, indexFile);

      await writer.appendEvents([
        { type: 'checkpoint', seq: 0, reason: 'manual', stateId: 'state-1' },
      ], {});

      const index = JSON.parse(fs.readFileSync(indexFile, 'utf8'));
      expect(index.checkpoints.length).toBe(1);
      expect(index.checkpoints[0].stateId).toBe('state-1');
    });

    it('handles empty events array', async () => {
      const writer = new IncrementalWriter(eventFile, indexFile);

      await writer.appendEvents([], {});

      expect(fs.existsSync(eventFile)).toBe(false);
    });
  });

  describe('byte offset tracking', () => {
    it('tracks byte offset correctly', async () => {
      const writer = new IncrementalWriter(eventFile, indexFile);

      await writer.appendEvents([
        { type: 'input', seq: 0, code: 'test', timestamp: new Date().toISOString() },
      ], {});

      const fileSize = fs.statSync(eventFile).size;
      expect(writer.getByteOffset()).toBe(fileSize);
    });
  });
});
