import { describe, expect, it } from 'vitest';
import { pad } from '../../cli/kit/terminal.js';

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
