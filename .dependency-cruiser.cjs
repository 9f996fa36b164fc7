/**
 * The layout table of docs/design.md, enforced (`npm run lint:imports`, part of `npm test`): an import that points up
 * the table, an import cycle, or clinical code importing HTTP fails the build.
 * @type {import('dependency-cruiser').IConfiguration}
 */
/** Each area and the areas of `src/` it may import (besides itself). */
const MAY_IMPORT = {
  'rules/cpic': [],
  sensors: [],
  observability: [],
  store: [],
  // Sign-in keeps page sessions in the store and reads the OIDC settings from the typed config.
  http: ['observability', 'store', 'config'],
  rules: ['rules/cpic', 'sensors', 'observability'],
  cards: ['rules', 'rules/cpic', 'sensors', 'cds/types'],
  cds: ['store', 'observability', 'http', 'rules', 'rules/cpic'],
  feedback: ['store', 'cds', 'http', 'observability', 'rules', 'rules/cpic'],
  hooks: ['cds', 'rules', 'rules/cpic', 'sensors', 'cards', 'feedback', 'observability', 'store'],
  admin: ['store', 'rules', 'rules/cpic', 'sensors', 'feedback', 'http', 'observability', 'cards', 'cds'],
  demo: ['cds', 'http', 'observability'],
  // After an EHR launch the dashboard reads the record with the FHIR client and the allowlist of src/cds.
  dashboard: ['rules', 'rules/cpic', 'sensors', 'cards', 'demo', 'http', 'cds', 'observability'],
};

const escape = (s) => s.replace(/[/.]/g, (c) => `\\${c}`);

const upward = Object.entries(MAY_IMPORT).map(([from, allowed]) => {
  // rules/ may import rules/cpic; rules/cpic is its own area and must not import rules/.
  const self = from === 'rules' ? ['rules'] : [from];
  const fromPath = from === 'rules' ? '^src/rules/(?!cpic/)' : `^src/${escape(from)}/`;
  const allowedPaths = [...self, ...allowed].map((a) =>
    a === 'cds/types'
      ? '^src/cds/types\\.ts$'
      : a === 'rules'
        ? '^src/rules/(?!cpic/)'
        : `^src/${escape(a)}(/|\\.ts$)`,
  );
  return {
    name: `layout-${from.replace('/', '-')}`,
    comment: `src/${from} may import only: ${allowed.length > 0 ? allowed.join(', ') : 'nothing else in src/'} (docs/design.md layout)`,
    severity: 'error',
    from: { path: fromPath },
    to: { path: '^src/', pathNot: allowedPaths },
  };
});

module.exports = {
  forbidden: [
    ...upward,
    {
      name: 'no-circular',
      comment: 'Import cycles hide the direction of the layout.',
      severity: 'error',
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'clinical-code-without-http',
      comment:
        'Clinical knowledge (rules, sensors, cards) never imports HTTP frameworks, so it runs without a server.',
      severity: 'error',
      from: { path: ['^src/rules/', '^src/sensors/', '^src/cards/'] },
      to: { path: 'node_modules/(express|supertest|cors|helmet|pino-http|express-rate-limit)/' },
    },
    {
      name: 'src-not-into-tests',
      comment: 'The product never imports test, bench or script code.',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(test|bench|scripts|web)/' },
    },
    {
      name: 'web-only-server-types',
      comment: 'The front end imports from the server only types (its API schemas), never server code.',
      severity: 'error',
      from: { path: '^web/' },
      to: { path: '^src/', dependencyTypesNot: ['type-only'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '^(dist|node_modules)/' },
  },
};
