// .github/workflows/ci-cd.yml: valid against GitHub's own workflow schema (@actions/workflow-parser,
// the parser of GitHub's language services), and the pipeline the platform needs: the project's
// tests, one image, staging, then production behind a manual approval.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser';
import { environmentVariable } from '@ticketing/platform';
import { describe, expect, it } from 'vitest';
import { ROOT, readText, readYaml } from './support.js';

const WORKFLOW = '.github/workflows/ci-cd.yml';
// Variables the deploy steps give their own tools (kubectl), not the platform.
const DEPLOY_TOOL_VARIABLES = new Set(['KUBE_CONFIG_DATA', 'IMAGE']);

const workflow = readYaml(WORKFLOW);
const jobs = workflow.jobs as Record<string, any>;

describe('the CI/CD workflow', () => {
  it("is valid against GitHub's workflow schema", () => {
    const result = parseWorkflow(
      { name: WORKFLOW, content: readText(WORKFLOW) },
      new NoOperationTraceWriter(),
    );
    expect(result.context.errors.getErrors().map((error) => error.message)).toEqual([]);
    expect(result.value).toBeDefined();
    // A mistake is reported, so a pass means something.
    const broken = parseWorkflow(
      { name: 'broken.yml', content: 'on: push\njobs:\n  test:\n    runs-on: ubuntu-24.04\n    stepz: []\n' },
      new NoOperationTraceWriter(),
    );
    expect(broken.context.errors.getErrors().length).toBeGreaterThan(0);
  });

  it("runs the project's CI script, then builds the image from deploy/Dockerfile", () => {
    expect(jobs.test.steps.map((step: { run?: string }) => step.run ?? '').join('\n')).toContain(
      'bash .ci/run',
    );
    expect(existsSync(join(ROOT, '.ci/run'))).toBe(true);
    expect(jobs.image.needs).toBe('test');
    const build = jobs.image.steps.find((step: { uses?: string }) =>
      step.uses?.startsWith('docker/build-push-action'),
    );
    expect(build.with).toMatchObject({ file: 'deploy/Dockerfile', push: true });
  });

  it('deploys to staging, then to production only through the approval-gated production environment', () => {
    expect(jobs['deploy-staging'].environment.name).toBe('staging');
    expect(jobs['deploy-production'].environment.name).toBe('production');
    expect(jobs['deploy-production'].needs).toContain('deploy-staging');
    for (const [job, overlay] of [
      ['deploy-staging', 'staging'],
      ['deploy-production', 'production'],
    ] as const) {
      const script = jobs[job].steps.map((step: { run?: string }) => step.run ?? '').join('\n');
      expect(script).toContain(`deploy/k8s/overlays/${overlay}`);
      // The image the kustomization renders is the one the step replaces with the built digest.
      const [image] = readYaml('deploy/k8s/base/kustomization.yaml').images;
      expect(script).toContain(`s#image: ${image.newName}:${image.newTag}#image: $IMAGE#`);
      expect(existsSync(join(ROOT, 'deploy/k8s/overlays', overlay, 'kustomization.yaml'))).toBe(true);
    }
  });

  it('sets only variables the platform reads (or that its deploy tools read)', () => {
    const scopes = [
      workflow.env,
      ...Object.values(jobs).flatMap((job) => [
        job.env,
        ...job.steps.map((step: { env?: object }) => step.env),
      ]),
    ];
    const names = scopes.flatMap((scope) => Object.keys(scope ?? {}));
    expect(
      names.filter((name) => !DEPLOY_TOOL_VARIABLES.has(name) && environmentVariable(name) === undefined),
    ).toEqual([]);
  });
});
