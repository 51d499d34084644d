// The visit form: show only the follow-up fields (urge notice or new problem) that the chosen
// follow-up needs. Without script every field shows and the service ignores the unused ones.
(function () {
  "use strict";
  const radios = document.querySelectorAll("#follow-up input[name=follow_up]");
  const sections = { urge: document.getElementById("urge-fields"), problem: document.getElementById("problem-fields") };
  function show() {
    const chosen = document.querySelector("#follow-up input[name=follow_up]:checked");
    const value = chosen ? chosen.value : "none";
    Object.entries(sections).forEach(([name, section]) => {
      if (section) section.hidden = name !== value;
    });
  }
  radios.forEach((radio) => radio.addEventListener("change", show));
  show();
})();
