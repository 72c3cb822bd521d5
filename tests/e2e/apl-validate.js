// Validates APL documents with apl-suggester's StaticAplTemplateValidator.
// Usage: node apl-validate.js doc.json ... ; prints {file: [errors] | "threw: message"} as JSON.
const fs = require('fs');
const { StaticAplTemplateValidator } = require('apl-suggester');

(async () => {
  const out = {};
  for (const file of process.argv.slice(2)) {
    try {
      out[file] = await new StaticAplTemplateValidator().validate(JSON.parse(fs.readFileSync(file, 'utf8')));
    } catch (error) {
      out[file] = `threw: ${error && error.message}`;
    }
  }
  process.stdout.write(JSON.stringify(out));
})();
