import { useEffect, useState } from 'preact/hooks';
import { Activity } from './Activity.js';
import type { Api } from './api.js';
import { CreateJobForm } from './CreateJobForm.js';
import { JobsTable } from './JobsTable.js';
import { JobView } from './JobView.js';

/**
 * The registered job types, read from the API's own contract (GET /openapi.json, public): the `enum` of POST /jobs's
 * `job_type`. The page then offers exactly what the API accepts, with no list of its own to fall out of date.
 */
async function loadJobTypes(base: string): Promise<string[]> {
  const response = await fetch(`${base}/openapi.json`);
  if (!response.ok) throw new Error(`The API's description could not be loaded (HTTP ${response.status}).`);
  const document = (await response.json()) as {
    paths?: Record<string, { post?: { requestBody?: { content?: Record<string, { schema?: unknown }> } } }>;
  };
  const schema = document.paths?.['/jobs']?.post?.requestBody?.content?.['application/json']?.schema as
    | { properties?: { job_type?: { enum?: unknown } } }
    | undefined;
  const types = schema?.properties?.job_type?.enum;
  return Array.isArray(types) ? types.filter((type): type is string => typeof type === 'string') : [];
}

export function Dashboard(props: { api: Api; base: string; user: string; onSignOut: () => void }) {
  const { api } = props;
  const [jobTypes, setJobTypes] = useState<string[]>([]);
  const [jobTypesError, setJobTypesError] = useState<string>();
  const [openJob, setOpenJob] = useState<string>();
  const [notice, setNotice] = useState<string>();

  useEffect(() => {
    loadJobTypes(props.base).then(setJobTypes, (error: Error) => setJobTypesError(error.message));
  }, [props.base]);

  return (
    <>
      <header class="top">
        <h1>Background Job Service</h1>
        <span class="user">
          Signed in as <code>{props.user}</code>
        </span>
        <button type="button" onClick={props.onSignOut}>
          Sign out
        </button>
      </header>
      <main>
        {notice && (
          <p class="notice" role="status">
            {notice}
          </p>
        )}
        {openJob ? (
          <JobView
            api={api}
            jobId={openJob}
            onBack={() => setOpenJob(undefined)}
            onDeleted={() => {
              setNotice(`Job ${openJob} was deleted.`);
              setOpenJob(undefined);
            }}
          />
        ) : (
          <>
            <Activity api={api} />
            <div class="columns">
              <JobsTable
                api={api}
                jobTypes={jobTypes}
                onOpen={(id) => {
                  setNotice(undefined);
                  setOpenJob(id);
                }}
              />
              <CreateJobForm
                api={api}
                jobTypes={jobTypes}
                jobTypesError={jobTypesError}
                onCreated={(job) => setNotice(`Created job ${job.id} (${job.job_type}).`)}
              />
            </div>
          </>
        )}
      </main>
    </>
  );
}
