import { describe, expect, it } from 'vitest';
import { pad, paint } from '../../cli/kit/terminal.js';

describe('pad', () => {
  it('counts visible characters only, so coloured and plain columns line up', () => {
    const coloured = pad('\u001b[32mok\u001b[39m', 5);

    expect(coloured).toBe('\u001b[32mok\u001b[39m   ');
    expect(pad('ok', 5)).toBe('ok   ');
  });

  it('leaves text at or over the width as it is', () => {
    expect(pad('\u001b[1mtoolong\u001b[22m', 3)).toBe('\u001b[1mtoolong\u001b[22m');
  });
});

describe('paint', () => {
  it('colours with the ANSI codes people have seen so far when enabled', () => {
    const colour = paint(true);

    expect(colour.green('ok')).toBe('\u001b[32mok\u001b[39m');
    expect(colour.bold('title')).toBe('\u001b[1mtitle\u001b[22m');
    expect(colour.dim('quiet')).toBe('\u001b[2mquiet\u001b[22m');
  });

  it('leaves text as it is when disabled', () => {
    expect(paint(false).red('plain')).toBe('plain');
  });
});
