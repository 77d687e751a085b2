import { useCallback, useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { backend, BackendError, toBackendError, STAGES, type AppStatus, type Stage } from "./backend";
import Header from "./components/Header";
import StageNav from "./components/StageNav";
import GuidePanel from "./components/GuidePanel";
import StatusBar from "./components/StatusBar";
import StagePage from "./stages/StagePage";
import { useShortcuts } from "./components/useShortcuts";
import SandboxBanner from "./components/SandboxBanner";
import { FlowProvider } from "./flow";

export type StatusState = { status: AppStatus } | { error: BackendError } | null;

export default function App() {
  const { t } = useTranslation();
  const [stage, setStage] = useState<Stage>(STAGES[0]);
  const [status, setStatus] = useState<StatusState>(null);

  useEffect(() => {
    backend.appStatus().then(
      (status) => {
        setStatus({ status });
        // Read by tests/e2e/measure.mjs: the first stage is on screen and Rust has answered.
        performance.mark("ks-onboard:interactive");
      },
      (thrown) => setStatus({ error: toBackendError(thrown) }),
    );
  }, []);

  // Jumps from elsewhere (a shortcut, an empty state's action) move focus to the new page;
  // choosing in the navigation keeps focus there, so arrow keys go on working.
  const goTo = useCallback((next: Stage) => {
    setStage(next);
    document.getElementById("main")?.focus();
  }, []);
  useShortcuts(goTo);

  return (
    // The flow store outlives the pages: the Add cluster form and the cluster Join follows.
    <FlowProvider>
      <div className="app">
        <a className="skip-link" href="#main">
          {t("app.skipToContent")}
        </a>
        <Header />
        <div className="workspace">
          <StageNav current={stage} onSelect={setStage} />
          <main id="main" className="stage" tabIndex={-1} aria-labelledby="stage-title">
            {status && "status" in status && status.status.target.type === "sandbox" && (
              <SandboxBanner scenario={status.status.target.scenario} onLeft={(next) => setStatus({ status: next })} />
            )}
            <StagePage stage={stage} status={status} onNavigate={goTo} onStatus={(next) => setStatus({ status: next })} />
          </main>
          <GuidePanel stage={stage} />
        </div>
        <StatusBar status={status} />
      </div>
    </FlowProvider>
  );
}
