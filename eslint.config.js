import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** OpenStack services whose raw HTTP clients only lib/openstack/ may call. */
const SERVICES = '/^(nova|cinder|glance|neutron|keystone)$/';
const HTTP_METHODS = '/^(get|post|put|patch|delete|request)$/';
/** REST resource paths of Nova, Cinder, Glance, Neutron and Keystone, as a string starts with them. */
// (esquery regexes cannot hold a slash: \\x2F is one)
const REST_PATH = '^(\\x2F)?(servers|os-[a-z-]+|flavors|limits|volumes|snapshots|types|attachments|images|info\\x2Fimport|ports|networks|subnets|floatingips|security-groups|security-group-rules|routers|quotas|v2(\\.0)?|v3|auth|users|credentials|projects)\\x2F';
const restCallSelectors = [
  {
    selector: `CallExpression > MemberExpression.callee[property.name=${HTTP_METHODS}][object.name=${SERVICES}]`,
    message: 'Call OpenStack through a typed function in lib/openstack/<service>.ts, not the raw client.',
  },
  {
    selector: `CallExpression > MemberExpression.callee[property.name=${HTTP_METHODS}][object.property.name=${SERVICES}]`,
    message: 'Call OpenStack through a typed function in lib/openstack/<service>.ts, not the raw client.',
  },
  {
    selector: `Literal[value=/${REST_PATH}/]`,
    message: 'No OpenStack REST paths in functions/: add a typed function to lib/openstack/<service>.ts.',
  },
  {
    selector: `TemplateLiteral > TemplateElement:first-child[value.raw=/${REST_PATH}/]`,
    message: 'No OpenStack REST paths in functions/: add a typed function to lib/openstack/<service>.ts.',
  },
];

export default tseslint.config(
  { ignores: ['node_modules/', '.esbuild*/', '.serverless/', '.openwhisk/', 'local/.run/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    // CommonJS plugin files loaded by serverless.
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', module: 'writable' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
    },
  },
  {
    // A family imports only lib/, schemas/ and its own folder: `../<other family>/…` is refused, so
    // code two families need moves to lib/domain/ (see docs/architecture.md).
    files: ['functions/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^\\.\\./(?!\\.\\./)',
              message: 'A family imports only lib/, schemas/ and its own folder: move shared code to lib/domain/.',
            },
            { regex: '(^|/)functions/', message: 'lib/ and families never import a family by path.' },
          ],
        },
      ],
      // Every OpenStack REST call is a typed function in lib/openstack/<service>.ts.
      'no-restricted-syntax': ['error', ...restCallSelectors],
    },
  },
  {
    // Logging goes through lib/log.ts (structured JSON with the request's fields on every line).
    files: ['functions/**/*.ts', 'lib/**/*.ts'],
    rules: { 'no-console': 'error' },
  },
  {
    files: ['lib/**/*.ts'],
    ignores: ['lib/openstack/**'],
    rules: {
      'no-restricted-syntax': ['error', ...restCallSelectors],
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { patterns: [{ regex: '(^|/)functions/', message: 'lib/ never imports a family.' }] },
      ],
    },
  },
);
