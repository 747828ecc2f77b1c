// Stand-alone entry for `validate` (tests spawn it; the main CLI adds validateCommand() instead).
import { validateCommand } from './command.js';

await validateCommand().parseAsync(process.argv);
